package sign_test

import data.sign

# Signatures as OPA v1.20 computes them for these requests.

test_raw_body if sign.signed({"method": "PUT", "url": "https://bucket.example.com/key", "raw_body": "hello"}).headers == {
	"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/eu-west-1/execute-api/aws4_request,SignedHeaders=host;x-amz-date,Signature=616f42282586d62b33ac6dccd8cc584b336cab37db760a422d5391c1b1388c87",
	"host": "bucket.example.com",
	"x-amz-date": "20231114T221320Z",
}

test_s3_session_token if sign.signed_with({"method": "GET", "url": "https://s3.example.com/"}, {"aws_service": "s3", "aws_session_token": "TOKEN"}).headers == {
	"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/eu-west-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,Signature=d06423e6593235c3cda35a2199e2633813d0cab02d44585a7f7846b65127f680",
	"host": "s3.example.com",
	"x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"x-amz-date": "20231114T221320Z",
	"x-amz-security-token": "TOKEN",
}

test_unsigned_payload if sign.signed_with({"method": "GET", "url": "https://s3.example.com/x", "body": {"a": 1}}, {"aws_service": "s3", "disable_payload_signing": true}) == {
	"body": {"a": 1},
	"headers": {
		"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/eu-west-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=53a52c23621caf1132bf44047844e5c89ebbd6e0444edfe9e33a99b02aa9b6bb",
		"host": "s3.example.com",
		"x-amz-content-sha256": "UNSIGNED-PAYLOAD",
		"x-amz-date": "20231114T221320Z",
	},
	"method": "GET",
	"url": "https://s3.example.com/x",
}

test_own_headers_kept_and_signed if sign.signed({"method": "GET", "url": "http://h/p", "headers": {"X-Custom": "1", "authorization": "old"}}).headers == {
	"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/eu-west-1/execute-api/aws4_request,SignedHeaders=host;x-amz-date;x-custom,Signature=039e357945f61b4291957b6070fca77e87724aebd7905f6449d311caa7fb8cd0",
	"X-Custom": "1",
	"authorization": "old",
	"host": "h",
	"x-amz-date": "20231114T221320Z",
}

test_json_body_and_escaped_path if sign.signed({"method": "POST", "url": "https://api.example.com/a%20b/c", "headers": {"Content-Type": "application/json", "User-Agent": "x"}, "body": {"k": ["<v>", 1.5, true]}}).headers.Authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/eu-west-1/execute-api/aws4_request,SignedHeaders=content-type;host;x-amz-date,Signature=7346b8a3f90be4851b0c5aebb4a273e45b2bcaf3d7b4bd67ebc7305a974e76c4"

test_port_and_query if sign.signed({"method": "GET", "url": "https://api.example.com:8443/v1/items?b=2&a=1"}).headers == {
	"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/eu-west-1/execute-api/aws4_request,SignedHeaders=host;x-amz-date,Signature=6dce8f08b87307515e2098e700a1c6a40e66d493b699a95e8a7b3882be336068",
	"host": "api.example.com:8443",
	"x-amz-date": "20231114T221320Z",
}

test_wrong_on_purpose if sign.signed({"method": "GET", "url": "http://h"}).headers.host == "example.com"

test_missing_url_is_an_error if sign.signed_with({"method": "GET"}, {})

test_missing_config_is_an_error if providers.aws.sign_req({"method": "GET", "url": "http://h"}, {"aws_region": 1}, 0)

test_config_of_wrong_types_is_an_error if providers.aws.sign_req({"method": "GET", "url": "http://h"}, {"aws_region": 1, "aws_service": "s3", "aws_access_key": "a", "aws_secret_access_key": "s"}, 0)

test_bad_timestamp_is_an_error if providers.aws.sign_req({"method": "GET", "url": "http://h"}, sign.config, 1.5)

test_unknown_request_key_is_an_error if sign.signed({"method": "GET", "url": "http://h", "verb": "x"})

test_bad_headers_is_an_error if sign.signed({"method": "GET", "url": "http://h", "headers": "x"})

test_bad_url_is_an_error if sign.signed({"method": "GET", "url": "http://[::1"})
