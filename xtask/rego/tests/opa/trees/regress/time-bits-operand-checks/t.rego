package t

day(ns) := time.date(ns)

shifted(x, n) := bits.lsh(x, n)
