package org.p_test

import rego.v1

import data.org.p

test_r if p.r == {}

test_c if p.c == [
	{
		"path": [
			"org",
			"p",
			"c"
		]
	},
	{
		"annotations": {
			"authors": [
				{
					"email": "jane@example.com",
					"name": "Jane Doe"
				},
				{
					"email": "bob@x.org",
					"name": "Bob"
				}
			],
			"custom": {
				"list": [
					1,
					2
				],
				"severity": "high"
			},
			"related_resources": [
				{
					"ref": "https://example.com"
				},
				{
					"description": "docs",
					"ref": "https://example.org/doc"
				}
			],
			"scope": "package",
			"title": "The package"
		},
		"path": [
			"org",
			"p"
		]
	},
	{
		"annotations": {
			"description": "everything",
			"organizations": [
				"Acme"
			],
			"scope": "subpackages",
			"title": "Org root"
		},
		"path": [
			"org"
		]
	}
]

test_d if p.d == [
	{},
	[
		{
			"path": [
				"org",
				"p",
				"d"
			]
		},
		{
			"annotations": {
				"authors": [
					{
						"email": "jane@example.com",
						"name": "Jane Doe"
					},
					{
						"email": "bob@x.org",
						"name": "Bob"
					}
				],
				"custom": {
					"list": [
						1,
						2
					],
					"severity": "high"
				},
				"related_resources": [
					{
						"ref": "https://example.com"
					},
					{
						"description": "docs",
						"ref": "https://example.org/doc"
					}
				],
				"scope": "package",
				"title": "The package"
			},
			"path": [
				"org",
				"p"
			]
		},
		{
			"annotations": {
				"description": "everything",
				"organizations": [
					"Acme"
				],
				"scope": "subpackages",
				"title": "Org root"
			},
			"path": [
				"org"
			]
		}
	]
]

test_t if p.t == [
	{
		"schemas": [
			{
				"definition": {
					"type": "object"
				},
				"path": [
					"input"
				]
			}
		],
		"scope": "rule",
		"title": "two"
	},
	[
		{
			"annotations": {
				"schemas": [
					{
						"definition": {
							"type": "object"
						},
						"path": [
							"input"
						]
					}
				],
				"scope": "rule",
				"title": "two"
			},
			"path": [
				"org",
				"p",
				"t"
			]
		},
		{
			"annotations": {
				"authors": [
					{
						"email": "jane@example.com",
						"name": "Jane Doe"
					},
					{
						"email": "bob@x.org",
						"name": "Bob"
					}
				],
				"custom": {
					"list": [
						1,
						2
					],
					"severity": "high"
				},
				"related_resources": [
					{
						"ref": "https://example.com"
					},
					{
						"description": "docs",
						"ref": "https://example.org/doc"
					}
				],
				"scope": "package",
				"title": "The package"
			},
			"path": [
				"org",
				"p"
			]
		},
		{
			"annotations": {
				"description": "everything",
				"organizations": [
					"Acme"
				],
				"scope": "subpackages",
				"title": "Org root"
			},
			"path": [
				"org"
			]
		}
	]
]

test_g if p.g == [
	1,
	{
		"scope": "rule",
		"title": "f"
	}
]

test_allow2 if p.allow2 == [
	{},
	[
		{
			"path": [
				"org",
				"p",
				"allow2"
			]
		},
		{
			"annotations": {
				"description": "Multi\nline\n",
				"entrypoint": true,
				"scope": "document",
				"title": "Allow rule"
			},
			"path": [
				"org",
				"p",
				"allow2"
			]
		},
		{
			"annotations": {
				"authors": [
					{
						"email": "jane@example.com",
						"name": "Jane Doe"
					},
					{
						"email": "bob@x.org",
						"name": "Bob"
					}
				],
				"custom": {
					"list": [
						1,
						2
					],
					"severity": "high"
				},
				"related_resources": [
					{
						"ref": "https://example.com"
					},
					{
						"description": "docs",
						"ref": "https://example.org/doc"
					}
				],
				"scope": "package",
				"title": "The package"
			},
			"path": [
				"org",
				"p"
			]
		},
		{
			"annotations": {
				"description": "everything",
				"organizations": [
					"Acme"
				],
				"scope": "subpackages",
				"title": "Org root"
			},
			"path": [
				"org"
			]
		}
	]
]

test_deny2 if p.deny2 == {
[
	{},
	[
		{
			"path": [
				"org",
				"p",
				"deny2"
			]
		},
		{
			"annotations": {
				"scope": "document",
				"title": "Deny2 doc"
			},
			"path": [
				"org",
				"p",
				"deny2"
			]
		},
		{
			"annotations": {
				"authors": [
					{
						"email": "jane@example.com",
						"name": "Jane Doe"
					},
					{
						"email": "bob@x.org",
						"name": "Bob"
					}
				],
				"custom": {
					"list": [
						1,
						2
					],
					"severity": "high"
				},
				"related_resources": [
					{
						"ref": "https://example.com"
					},
					{
						"description": "docs",
						"ref": "https://example.org/doc"
					}
				],
				"scope": "package",
				"title": "The package"
			},
			"path": [
				"org",
				"p"
			]
		},
		{
			"annotations": {
				"description": "everything",
				"organizations": [
					"Acme"
				],
				"scope": "subpackages",
				"title": "Org root"
			},
			"path": [
				"org"
			]
		}
	]
],
[
	{
		"scope": "rule",
		"title": "deny2 rule"
	},
	[
		{
			"annotations": {
				"scope": "rule",
				"title": "deny2 rule"
			},
			"path": [
				"org",
				"p",
				"deny2"
			]
		},
		{
			"annotations": {
				"scope": "document",
				"title": "Deny2 doc"
			},
			"path": [
				"org",
				"p",
				"deny2"
			]
		},
		{
			"annotations": {
				"authors": [
					{
						"email": "jane@example.com",
						"name": "Jane Doe"
					},
					{
						"email": "bob@x.org",
						"name": "Bob"
					}
				],
				"custom": {
					"list": [
						1,
						2
					],
					"severity": "high"
				},
				"related_resources": [
					{
						"ref": "https://example.com"
					},
					{
						"description": "docs",
						"ref": "https://example.org/doc"
					}
				],
				"scope": "package",
				"title": "The package"
			},
			"path": [
				"org",
				"p"
			]
		},
		{
			"annotations": {
				"description": "everything",
				"organizations": [
					"Acme"
				],
				"scope": "subpackages",
				"title": "Org root"
			},
			"path": [
				"org"
			]
		}
	]
]
}

test_h if p.h == {
	"i": {
		"j": [
			{
				"annotations": {
					"scope": "rule",
					"title": "h"
				},
				"path": [
					"org",
					"p",
					"h",
					"i",
					"j"
				]
			},
			{
				"annotations": {
					"authors": [
						{
							"email": "jane@example.com",
							"name": "Jane Doe"
						},
						{
							"email": "bob@x.org",
							"name": "Bob"
						}
					],
					"custom": {
						"list": [
							1,
							2
						],
						"severity": "high"
					},
					"related_resources": [
						{
							"ref": "https://example.com"
						},
						{
							"description": "docs",
							"ref": "https://example.org/doc"
						}
					],
					"scope": "package",
					"title": "The package"
				},
				"path": [
					"org",
					"p"
				]
			},
			{
				"annotations": {
					"description": "everything",
					"organizations": [
						"Acme"
					],
					"scope": "subpackages",
					"title": "Org root"
				},
				"path": [
					"org"
				]
			}
		]
	}
}

test_al if p.al == {}
