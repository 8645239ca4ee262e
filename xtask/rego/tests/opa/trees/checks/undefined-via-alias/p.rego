package p

import data.lib

allow if lib.nope(1)
