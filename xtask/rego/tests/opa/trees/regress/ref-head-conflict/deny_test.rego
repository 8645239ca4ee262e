package main

test_deny if count(deny) > 0
