package p

default allow := input.allow
