package q

r10 := json.marshal({1.5e2})
