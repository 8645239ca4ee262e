package p

# `with` on rules of the same package, by their short name, and values that read such rules.

docs := 1

q := docs + 1

seven := 7

findings contains {"vulnerabilities": v} if {
	v := data.config.vulns
}

report := [x | some x in findings]

scanners[name] := cfg if {
	some name, cfg in data.config.scanners
}
