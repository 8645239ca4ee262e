package p

# `walk(x)` with one argument is a relation: each `[path, value]` pair in turn, not one array of
# every pair.

doc := {"metadata": {"annotations": {"a": "b c", "d": true}}, "spec": [{"image": "i"}]}

annotation_keys := [k | some _, v in walk(doc); some k, _ in v.metadata.annotations]

pairs contains p if p := walk(doc)

paths := {path | [path, _] := walk(doc)}

images contains img if {
	some _, node in walk(doc)
	img := node.image
}

words := [w | some _, v in walk(doc); some _, val in v.metadata.annotations; some w in split(val, " ")]

relation_form := {path | walk(doc, [path, _])}
