package p

default allow := false

default allow := true
