package p

import data.lib
import data.other.lib

allow := true
