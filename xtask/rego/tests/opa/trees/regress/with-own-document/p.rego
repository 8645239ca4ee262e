package scanner

# A `with` beside the rule (another rule of the package, or a document under a package of
# its own) is no recursion in OPA: only the rule's own document or one above it is.

x := 1

test_sibling if x == 2 with data.scanner.x as 2

test_sub_package if x == 1 with data.scanner.sub as {}
