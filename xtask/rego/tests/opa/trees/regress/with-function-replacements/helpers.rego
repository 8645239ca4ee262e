package helpers

mock(x) := x * 10

val := 7
