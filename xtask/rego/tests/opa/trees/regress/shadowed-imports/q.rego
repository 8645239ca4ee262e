package q

import data.tasks

# The published corpus's form, alone in its package: a wrong value, not an error, before the fix.
listed(names) := out if {
	tasks := [n | some n in names]
	out := {"tasks": tasks}
}
