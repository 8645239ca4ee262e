package q

import data.q.not as n

test_alias if n.r.x == 42
