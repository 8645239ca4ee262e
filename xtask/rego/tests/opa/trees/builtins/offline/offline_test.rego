package offline_test

import rego.v1

import data.offline

ok_response := {"status_code": 200, "body": {"allowed": true}}

test_allowed_when_service_says_so if {
	offline.allowed("nginx") with http.send as ok_response
}

test_refused_on_404 if {
	not offline.allowed("nginx") with http.send as {"status_code": 404, "body": {}}
}

mock_send(req) := {"status_code": 200, "body": {"allowed": endswith(req.url, "/nginx")}}

test_mock_function_sees_the_request if {
	offline.allowed("nginx") with http.send as mock_send
	not offline.allowed("evil") with http.send as mock_send
}

test_lookup_mocked if {
	offline.addresses("db.local") == {"10.0.0.7"} with net.lookup_ip_addr as {"10.0.0.7"}
}

test_fails_on_purpose if {
	offline.allowed("nginx") with http.send as {"status_code": 500, "body": {}}
}
