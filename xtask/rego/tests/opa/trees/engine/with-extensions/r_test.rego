# Another package mocks a builtin that a package without any `with` calls.
package r_test

import data.p

test_other_package if p.claims == {"a": 1} with io.jwt.decode as [{}, {"a": 1}, ""] with input.token as "t"

test_alias_replaced_by_ours if p.f("a") == "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8" with p.f as crypto.sha1
