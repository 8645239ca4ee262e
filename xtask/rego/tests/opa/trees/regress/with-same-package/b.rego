package p

# The same partial set, continued in another file.
findings contains {"vulnerabilities": v} if {
	v := data.config.extra
}

enabled := [name | some name, cfg in scanners; cfg.on]

level := "high" if docs > 1

default level := "low"
