package m

marshal(x, opts) := json.marshal_with_options(x, opts)

expand(cidr) := net.cidr_expand(cidr)
