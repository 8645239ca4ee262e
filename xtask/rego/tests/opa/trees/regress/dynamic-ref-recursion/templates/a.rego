package templates.a

deny contains "a" if input.x == 1
