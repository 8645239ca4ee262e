package crypto_test

import rego.v1

test_sha256 if {
	crypto.sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	crypto.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	crypto.sha256("héllo ✓") == "5657cdef8a85a584e0e961e6f8247cf5d3f8ed21496ed6fdbcfd43a761e94245"
}

test_sha1_md5 if {
	crypto.sha1("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d"
	crypto.md5("abc") == "900150983cd24fb0d6963f7d28e17f72"
	crypto.md5("") == "d41d8cd98f00b204e9800998ecf8427e"
}

test_hmac if {
	crypto.hmac.sha256("msg", "key") == "2d93cbc1be167bcb1637a4a23cbff01a7878f0c50ee833954ea5221bb1b8c628"
	crypto.hmac.sha1("msg", "key") == "102900b72b7bf1031eec76b4804b66052376896b"
	crypto.hmac.md5("msg", "key") == "18e3548c59ad40dd03907b7aeee71d67"
	startswith(crypto.hmac.sha512("msg", "key"), "1e4b55b925ccc28ed90d9d18fc2393fc")
}

test_hmac_long_and_empty_keys if {
	k := concat("", [x | some _ in numbers.range(1, 200); x := "k"])
	count(crypto.hmac.sha256("msg", k)) == 64
	count(crypto.hmac.sha256("", "")) == 64
}

test_hmac_equal if {
	crypto.hmac.equal(crypto.hmac.sha256("m", "k"), crypto.hmac.sha256("m", "k"))
	not crypto.hmac.equal("a", "b")
	not crypto.hmac.equal("a", "ab")
}

test_sha256_of_a_number_is_an_error if crypto.sha256(data.num)

test_hmac_of_a_number_is_an_error if crypto.hmac.sha256("x", data.num)
