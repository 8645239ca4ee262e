package tasks

build := "imported"
