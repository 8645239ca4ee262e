package x509_test

import rego.v1

test_ec256_sec1 if crypto.x509.parse_rsa_private_key(data.keys.ec256_sec1) == {
	"crv": "P-256",
	"d": "c1kvMXuPoEqnH7RrrRV2FB4K_WBWjwJ8MV6gY5br3Po",
	"kty": "EC",
	"x": "X8iOWqsIQ-uOC1Yzt0famDntwSRWWruMU8ejuJu90Ts",
	"y": "JYFIu0YiXLpkuhTejCQVsvtwW_zaZwOoc_zTPjLPPiY"
}

test_ec384_pkcs8 if crypto.x509.parse_rsa_private_key(data.keys.ec384_pkcs8) == {
	"crv": "P-384",
	"d": "ENCnc3WF39sp3vzjsvyt_S9Nvz5ySgoan1cFkyGZXByU7M4eu9vtr0E2qabpG4ws",
	"kty": "EC",
	"x": "kc2p6jF84D99elBf5CEGB7GXe6q739DzepsOkXOteSQz8y76jB1kIluA7f-ib3mv",
	"y": "pK26Y6vy8I_QfB0V87qyGGinISsio1CzhSIgZYsUsWTYymtuyMGzjEqMb35ub1Hg"
}

test_ec521_sec1 if crypto.x509.parse_rsa_private_key(data.keys.ec521_sec1) == {
	"crv": "P-521",
	"d": "AAoWj2dMciYOPFuACteUlBhzEarb1b7o6TUU5dYOnIOPsas2w0Cb9gC3icm0959NYEfvCvZneum1Um_QhbEcFhib",
	"kty": "EC",
	"x": "AeYYxvhV8MnTiiPLl9qNUTTJouudUTJSay_sGBTh-MB8oHFHCrfbaU7nUNhUuMYys0J47vaOoh8BvgyJa9dFwAzP",
	"y": "AN4vccUNlk8vp3gcV7VuuJSsjptdnvFQ-irl5erHEv--jT1Usx789Nb-QFU0lMDLwUj6oGa90xAzBo1mSUiZgnBp"
}

test_rsa_pkcs1 if crypto.x509.parse_rsa_private_key(data.keys.rsa_pkcs1) == {
	"d": "pWDcDBPKf6KFBBW4-PWRdaVCiv3YGyn_LAB_zk13Sv97LJStHb92JzXc9A40ZAfFzrjWQEG144HM8fCABJMzGe6s6vuefDDlVc7wtg4BdVOe5KPP7JwWVkc19n9Q4sLkIgcbKp0m2deiXGD8tD9x7elTdVg6P82sgMyqzNHvGmk",
	"dp": "mrAa3Od4qdoiPfdVaFQ-nv-b7lT1iwaZakqbJCVMGtLVthLrDASpmcIum-7zFtiDxiAmu_2ovH0dAXYUYYVxjQ",
	"dq": "sY8R1ZhXCDG433RB6cp5PJN3mTEXWXY3G74jw-op_sroplUUDW1Cu0gD0SJ8zF76XbTXXrqa1lTJwxEcY1RK8Q",
	"e": "AQAB",
	"kty": "RSA",
	"n": "rDilZrtqNE7iwkgxGfFTNDrJ87E-TYAgHIGEv5VIgKsRl_PmrOzgdPETalVaT4Ke_RYD0e-VN3J5bF5VIKYxiFtzuYqatYKoGuu2b6dgi0ay9AjVvCnqNfH2I7qwczpnGV8LQrqQudbG6p2LmOIPb187JNTMf0XMX6xYomUCCR8",
	"p": "4L_nvNyrEFr3O2nNhWjV6aPnrMf0bA9wh_W5bNEbCz-P0GArlLvAUCh0z8YPXiiAzRAbIRKgBjVBSY24KJnMRQ",
	"q": "xCr2mEwlkKlQNKwTmf-q9jceijR60Kf_zSIkiTEel8qWiFzHJhYYr_vaaFxPVSdr8bQRWMVz-OLlalkj4-ZgEw",
	"qi": "jWN0ve5MiHnjXbJvgZyYF8zObO-LRDZbjQaKTqNitpsHKzLfUGvgmJOohLSFAGzAkgNkVUgBLIsI6ku8VLvPpw"
}

test_rsa_pkcs1_b64 if crypto.x509.parse_rsa_private_key(data.keys.rsa_pkcs1_b64) == {
	"d": "pWDcDBPKf6KFBBW4-PWRdaVCiv3YGyn_LAB_zk13Sv97LJStHb92JzXc9A40ZAfFzrjWQEG144HM8fCABJMzGe6s6vuefDDlVc7wtg4BdVOe5KPP7JwWVkc19n9Q4sLkIgcbKp0m2deiXGD8tD9x7elTdVg6P82sgMyqzNHvGmk",
	"dp": "mrAa3Od4qdoiPfdVaFQ-nv-b7lT1iwaZakqbJCVMGtLVthLrDASpmcIum-7zFtiDxiAmu_2ovH0dAXYUYYVxjQ",
	"dq": "sY8R1ZhXCDG433RB6cp5PJN3mTEXWXY3G74jw-op_sroplUUDW1Cu0gD0SJ8zF76XbTXXrqa1lTJwxEcY1RK8Q",
	"e": "AQAB",
	"kty": "RSA",
	"n": "rDilZrtqNE7iwkgxGfFTNDrJ87E-TYAgHIGEv5VIgKsRl_PmrOzgdPETalVaT4Ke_RYD0e-VN3J5bF5VIKYxiFtzuYqatYKoGuu2b6dgi0ay9AjVvCnqNfH2I7qwczpnGV8LQrqQudbG6p2LmOIPb187JNTMf0XMX6xYomUCCR8",
	"p": "4L_nvNyrEFr3O2nNhWjV6aPnrMf0bA9wh_W5bNEbCz-P0GArlLvAUCh0z8YPXiiAzRAbIRKgBjVBSY24KJnMRQ",
	"q": "xCr2mEwlkKlQNKwTmf-q9jceijR60Kf_zSIkiTEel8qWiFzHJhYYr_vaaFxPVSdr8bQRWMVz-OLlalkj4-ZgEw",
	"qi": "jWN0ve5MiHnjXbJvgZyYF8zObO-LRDZbjQaKTqNitpsHKzLfUGvgmJOohLSFAGzAkgNkVUgBLIsI6ku8VLvPpw"
}

test_rsa_pkcs8 if crypto.x509.parse_rsa_private_key(data.keys.rsa_pkcs8) == {
	"d": "pWDcDBPKf6KFBBW4-PWRdaVCiv3YGyn_LAB_zk13Sv97LJStHb92JzXc9A40ZAfFzrjWQEG144HM8fCABJMzGe6s6vuefDDlVc7wtg4BdVOe5KPP7JwWVkc19n9Q4sLkIgcbKp0m2deiXGD8tD9x7elTdVg6P82sgMyqzNHvGmk",
	"dp": "mrAa3Od4qdoiPfdVaFQ-nv-b7lT1iwaZakqbJCVMGtLVthLrDASpmcIum-7zFtiDxiAmu_2ovH0dAXYUYYVxjQ",
	"dq": "sY8R1ZhXCDG433RB6cp5PJN3mTEXWXY3G74jw-op_sroplUUDW1Cu0gD0SJ8zF76XbTXXrqa1lTJwxEcY1RK8Q",
	"e": "AQAB",
	"kty": "RSA",
	"n": "rDilZrtqNE7iwkgxGfFTNDrJ87E-TYAgHIGEv5VIgKsRl_PmrOzgdPETalVaT4Ke_RYD0e-VN3J5bF5VIKYxiFtzuYqatYKoGuu2b6dgi0ay9AjVvCnqNfH2I7qwczpnGV8LQrqQudbG6p2LmOIPb187JNTMf0XMX6xYomUCCR8",
	"p": "4L_nvNyrEFr3O2nNhWjV6aPnrMf0bA9wh_W5bNEbCz-P0GArlLvAUCh0z8YPXiiAzRAbIRKgBjVBSY24KJnMRQ",
	"q": "xCr2mEwlkKlQNKwTmf-q9jceijR60Kf_zSIkiTEel8qWiFzHJhYYr_vaaFxPVSdr8bQRWMVz-OLlalkj4-ZgEw",
	"qi": "jWN0ve5MiHnjXbJvgZyYF8zObO-LRDZbjQaKTqNitpsHKzLfUGvgmJOohLSFAGzAkgNkVUgBLIsI6ku8VLvPpw"
}

test_junk_is_null if is_null(crypto.x509.parse_rsa_private_key("junk"))

test_empty_is_an_error if crypto.x509.parse_rsa_private_key("")

test_public_key_is_null if is_null(crypto.x509.parse_rsa_private_key("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n"))
