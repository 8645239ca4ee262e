package x509_test

import rego.v1

test_ec256_sec1 if crypto.x509.parse_rsa_private_key(data.keys.ec256_sec1) == {
	"crv": "P-256",
	"d": "1Pt8hOOn1D8nvWDUI1Q2ughecW54Vy_gsEXuNEu_gcs",
	"kty": "EC",
	"x": "8MBlbXlhWOy5o-Dr4eNx3H6nsPmvE06ut58I6eZ2s20",
	"y": "m6ayF-79n_FBumskO8Hz1kJ9Rl9uqiirgNB1eNnOBmM"
}

test_ec384_pkcs8 if crypto.x509.parse_rsa_private_key(data.keys.ec384_pkcs8) == {
	"crv": "P-384",
	"d": "X3axBwtDE-WQh_q1gortalFJxMpE84cQ9zgvoxIRuSfc7RoVZfkHN6p1cfQKRuxV",
	"kty": "EC",
	"x": "iTEyJRu_qhUd0gUG8cMrZFa7gs728uetZnycvMhFPVklSTQbt1lgUNp9C3nlyznp",
	"y": "_Zn1mG_p0cLg0T82mOlh78rkLVT-4o2YAT77oayeXCMriO9nOWPcYOQRftKx-HVf"
}

test_ec521_sec1 if crypto.x509.parse_rsa_private_key(data.keys.ec521_sec1) == {
	"crv": "P-521",
	"d": "AcUK19gToWXmI3JtqBtTZMXNIN_kzASLkHzLPDVVHDcCT4e9Xiz9-Ms-hDTtUoFp1Z-1bZOhhlwBYg3hkhk7GN0a",
	"kty": "EC",
	"x": "AJEwhzNT0CLCbnXBxagrXogDihmIDfq51u0fg8YcR6FjTT3y83VbZzNb7H0OKd2sIhIWXy2BcZTqEX5Jqy7YbFl-",
	"y": "AATH9BeLaffDG8VCtE71ys4mXD4qYGDyttYAGaQ-an7x0sOJp9cQkwQV6oDXfN6oV9BzkSQluyK6Z-B7iv5Cjtwo"
}

test_rsa_pkcs1 if crypto.x509.parse_rsa_private_key(data.keys.rsa_pkcs1) == {
	"d": "5vyuWkIaR_BpwiqndHLsC38G0zuOm594QrRoSpt0jibR1sg_ptnEgWa2N6S6TdhJzZVKREyPkWTIyFltvzqE5k0wSk5ZqojAjpSLN0XKgz6A9dXeF2Th8t1ow8Oo3-2BIlReQ1KBC0G9bCXWs72qtyaSBGIKuIaH1ORUdbdrRvE",
	"dp": "FGxDQuGCXuJEiQ-565_HPGMvMctX8L8uDZbmCl6AYSeKIQD1XawF8I2TPskxWMuhV1K6cAHwIM-3hagVCG_6wQ",
	"dq": "RBubD7Hi-iB7KpfpQEReKuTXDEhcfAsRNtl_BGvd-aGCjNXRsw0eUBaZRNwy4fIxxzES7i6EgxT8oYFIL5bbeQ",
	"e": "AQAB",
	"kty": "RSA",
	"n": "6adgvjuMTG211CZ12PqDfBYm9fILHZ1-ciO5PIdeKV4VhmlLrvDkRUFNKoYHCRom9Y2cD_lwueLC27lb-AT6qiR-FQRlzRKmgAw4s9Gh26Oy87VIecGPXfQG_fpLuR3oh-FT3grQVfIHB0aWCvEoGxDWzr8LaaNTavoXYnSJlAE",
	"p": "_kQR2uHorPebZVy9olHXWf1zZzlGnk3A0MaYkoGwnZCABsOd5A4uhTqLGw-RmrKucQZPgDZ5hQza6WpX88s-TQ",
	"q": "6z9SKGGce2s53mtJlqzXG9yDznLo03Fgw7oHJlRinu44RFRHd1Xoz04-64npyzu2Z9HwgD-4IqsFyAGkUbIOhQ",
	"qi": "2V50xruSYBS2g_lOd-6vnNX-K_d52z_TR_7_-DIVa-TFJiuqwr2PxcoBvvs19ZJNj_dHlgL8zPn3L7G8QPwPyg"
}

test_rsa_pkcs1_b64 if crypto.x509.parse_rsa_private_key(data.keys.rsa_pkcs1_b64) == {
	"d": "5vyuWkIaR_BpwiqndHLsC38G0zuOm594QrRoSpt0jibR1sg_ptnEgWa2N6S6TdhJzZVKREyPkWTIyFltvzqE5k0wSk5ZqojAjpSLN0XKgz6A9dXeF2Th8t1ow8Oo3-2BIlReQ1KBC0G9bCXWs72qtyaSBGIKuIaH1ORUdbdrRvE",
	"dp": "FGxDQuGCXuJEiQ-565_HPGMvMctX8L8uDZbmCl6AYSeKIQD1XawF8I2TPskxWMuhV1K6cAHwIM-3hagVCG_6wQ",
	"dq": "RBubD7Hi-iB7KpfpQEReKuTXDEhcfAsRNtl_BGvd-aGCjNXRsw0eUBaZRNwy4fIxxzES7i6EgxT8oYFIL5bbeQ",
	"e": "AQAB",
	"kty": "RSA",
	"n": "6adgvjuMTG211CZ12PqDfBYm9fILHZ1-ciO5PIdeKV4VhmlLrvDkRUFNKoYHCRom9Y2cD_lwueLC27lb-AT6qiR-FQRlzRKmgAw4s9Gh26Oy87VIecGPXfQG_fpLuR3oh-FT3grQVfIHB0aWCvEoGxDWzr8LaaNTavoXYnSJlAE",
	"p": "_kQR2uHorPebZVy9olHXWf1zZzlGnk3A0MaYkoGwnZCABsOd5A4uhTqLGw-RmrKucQZPgDZ5hQza6WpX88s-TQ",
	"q": "6z9SKGGce2s53mtJlqzXG9yDznLo03Fgw7oHJlRinu44RFRHd1Xoz04-64npyzu2Z9HwgD-4IqsFyAGkUbIOhQ",
	"qi": "2V50xruSYBS2g_lOd-6vnNX-K_d52z_TR_7_-DIVa-TFJiuqwr2PxcoBvvs19ZJNj_dHlgL8zPn3L7G8QPwPyg"
}

test_rsa_pkcs8 if crypto.x509.parse_rsa_private_key(data.keys.rsa_pkcs8) == {
	"d": "5vyuWkIaR_BpwiqndHLsC38G0zuOm594QrRoSpt0jibR1sg_ptnEgWa2N6S6TdhJzZVKREyPkWTIyFltvzqE5k0wSk5ZqojAjpSLN0XKgz6A9dXeF2Th8t1ow8Oo3-2BIlReQ1KBC0G9bCXWs72qtyaSBGIKuIaH1ORUdbdrRvE",
	"dp": "FGxDQuGCXuJEiQ-565_HPGMvMctX8L8uDZbmCl6AYSeKIQD1XawF8I2TPskxWMuhV1K6cAHwIM-3hagVCG_6wQ",
	"dq": "RBubD7Hi-iB7KpfpQEReKuTXDEhcfAsRNtl_BGvd-aGCjNXRsw0eUBaZRNwy4fIxxzES7i6EgxT8oYFIL5bbeQ",
	"e": "AQAB",
	"kty": "RSA",
	"n": "6adgvjuMTG211CZ12PqDfBYm9fILHZ1-ciO5PIdeKV4VhmlLrvDkRUFNKoYHCRom9Y2cD_lwueLC27lb-AT6qiR-FQRlzRKmgAw4s9Gh26Oy87VIecGPXfQG_fpLuR3oh-FT3grQVfIHB0aWCvEoGxDWzr8LaaNTavoXYnSJlAE",
	"p": "_kQR2uHorPebZVy9olHXWf1zZzlGnk3A0MaYkoGwnZCABsOd5A4uhTqLGw-RmrKucQZPgDZ5hQza6WpX88s-TQ",
	"q": "6z9SKGGce2s53mtJlqzXG9yDznLo03Fgw7oHJlRinu44RFRHd1Xoz04-64npyzu2Z9HwgD-4IqsFyAGkUbIOhQ",
	"qi": "2V50xruSYBS2g_lOd-6vnNX-K_d52z_TR_7_-DIVa-TFJiuqwr2PxcoBvvs19ZJNj_dHlgL8zPn3L7G8QPwPyg"
}

test_junk_is_null if is_null(crypto.x509.parse_rsa_private_key("junk"))

test_empty_is_an_error if crypto.x509.parse_rsa_private_key("")

test_public_key_is_null if is_null(crypto.x509.parse_rsa_private_key("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n"))
