package review_test

import rego.v1

import data.review

test_build_files if {
	review.build_files == {"Makefile"} with input as {"changes": [{"path": "Makefile"}, {"path": "main.go"}]}
}

test_no_build_files if {
	count(review.build_files) == 0 with input as {"changes": [{"path": "README.md"}]}
}

test_language if {
	review.language("rs") == "rust"
	review.language("py") == "other"
}

test_small if review.size_label == "small" with input as {"changes": []}

test_large if review.size_label == "large" with input as {"changes": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}

test_risk if review.risk(5) == "high"

test_owner if review.owner == "maintainers" with input as {"team": "apps"}

test_no_review if not review.needs_review with input as {"kind": "fix", "changes": [], "approved": false}

test_summary if {
	review.summary.size == "small" with input as {"changes": [], "team": "apps"}
}

test_merge_by_approvals if {
	review.may_merge with input as {"author": "bot", "checks_passed": true, "reviewer_role": "owner", "approved": true, "approvals": [1, 2]}
}

test_merge_by_bot if {
	review.may_merge with input as {"author": "bot", "checks_passed": true}
}

test_channel if review.channel == "fast" with input as {"urgent": true, "hotfix": true}

test_trusted if {
	review.trusted("admin-ann")
	review.trusted("root")
}

test_kind_label if not review.kind_label with input as {"kind": "fix"}

test_first_reviewer if not review.first_reviewer with input as {"reviewers": []}

test_reviewer_count if not review.reviewer_count({"other": 1})
