package p

import data.tasks
import data.tasks as t

# A local named like an import hides it in its whole scope (OPA's compiler resolves imports only
# where no declaration of the enclosing rule or comprehension names the variable).
assigned(names) := out if {
	tasks := [n | some n in names]
	out := {"tasks": tasks}
}

argument(tasks) := {"tasks": tasks}

in_head(names) := {"tasks": tasks} if some tasks in [names]

comprehension(names) := [tasks | some tasks in names]

key_value(o) := [[t, tasks] | some t, tasks in o]

some_declared contains tasks if {
	some tasks
	[1, 2][tasks]
}

every_var if every tasks in [1] { tasks == 1 }

# Outside the comprehension that declares it, the name is the import again.
outside := [x, tasks.build] if {
	x := [tasks | some tasks in [1]]
}

alias_local := t if t := 5

object_pattern := tasks if {
	{"a": tasks} := {"a": 3}
}
