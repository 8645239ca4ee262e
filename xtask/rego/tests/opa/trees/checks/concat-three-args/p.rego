package p

label := s if {
	s := concat(",", ["a"], "b")
}
