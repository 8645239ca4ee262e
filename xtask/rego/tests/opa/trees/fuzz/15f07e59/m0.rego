package p

s1 contains [] if {
	[] >= input.zz
}

s3 contains {sprintf("%v", [x8]): {} | some x8 in {data.p.s1 | some _ in {"A-1": set()}}}
