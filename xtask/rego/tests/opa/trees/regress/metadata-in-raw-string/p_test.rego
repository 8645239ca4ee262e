package p

test_title if r == "r"

test_text if contains(policy, "# scope: nowhere")
