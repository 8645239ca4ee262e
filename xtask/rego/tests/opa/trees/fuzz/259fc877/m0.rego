package q

g0.c8 contains 100000000000000000000000000000 if {
	"héllo" != "a,b,c" with input.c as input.e[1] with data.p.r2 as true
}
