# METADATA
# title: Org root
# description: everything
# scope: subpackages
# organizations:
# - Acme
package org

x := 1
