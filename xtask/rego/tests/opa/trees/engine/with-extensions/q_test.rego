# A second file of the mocking package mocks the same builtin: the package's generated
# function is made once.
package p_test

test_second_file if data.p.digest == "q" with crypto.sha256 as "q" with input.s as "a"

test_second_file_unmocked if crypto.sha1("a") == "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"
