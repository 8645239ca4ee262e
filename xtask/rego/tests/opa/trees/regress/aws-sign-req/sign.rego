package sign

config := {
	"aws_access_key": "AKIDEXAMPLE",
	"aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	"aws_service": "execute-api",
	"aws_region": "eu-west-1",
}

at := 1700000000123456789

signed(req) := providers.aws.sign_req(req, config, at)

signed_with(req, extra) := providers.aws.sign_req(req, object.union(config, extra), at)
