package scanner

# A `with` target reads the rules it replaces, in OPA's recursion check: `x` reads `test_a`,
# whose `with` replaces `x`, a cycle; OPA refuses the tree at compile time.

x := 1 if test_a

test_a if x == 1 with data.scanner.x as 2

test_fine if true
