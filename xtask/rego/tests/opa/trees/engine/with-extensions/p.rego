package p

digest := crypto.sha256(input.s)

hmac := crypto.hmac.sha256(input.s, "k")

claims := io.jwt.decode(input.token)[1]

merged := net.cidr_merge(["10.0.0.0/24", "10.0.1.0/24"])

greeting := strings.render_template("hi {{.name}}", {"name": "x"})

pieces := strings.split_n("a.b.c", ".", 2)

# An override of the engine's own builtin (Go's non-overlapping count).
ones := strings.count("11111", "11")

f(x) := x

# A `with` on an extension-only builtin inside a rule, not a test.
mocked_here := x if x := crypto.sha256("a") with crypto.sha256 as "in-rule"

mocked_below := x if x := digest with crypto.sha256 as "below" with input.s as "a"
