package r

default level := "low"

copy := level
