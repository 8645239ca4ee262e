package p_test

import data.p

test_all if {
	p.a
	p.b
	p.d
	p.e
	p.f
	p.g
	p.h
	p.i
	p.j
}

test_input if p.c with input.x as 1
