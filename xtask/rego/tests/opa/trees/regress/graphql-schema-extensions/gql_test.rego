package gql_test

import data.gql

# An extension of a type nobody defined defines it.
test_extension_defines_its_type if gql.valid(`
	extend type Query { pet: Pet }
	extend type Dog { name: String }
	union Pet = Dog
`)

test_query_on_extended_root if gql.checks(`{ pet { ... on Dog { name } } }`, `
	extend type Query { pet: Pet }
	type Dog { name: String }
	union Pet = Dog
`)

test_extension_of_another_kind_refused if not gql.valid(`
	extend scalar Thing @deprecated
	extend type Thing @deprecated
`)

test_extension_implementing_nothing_defined_refused if not gql.valid(`extend type Cat implements Animal`)

test_empty_extensions_refused if {
	not gql.valid(`extend type Cat`)
	not gql.valid(`extend schema`)
	not gql.valid(`extend enum Color`)
}

test_described_extension_refused if not gql.valid(`
	"About cats"
	extend type Cat { name: String }
`)

test_empty_description_extension_allowed if gql.valid(`
	""
	extend type Cat { name: String }
`)

test_interface_ancestors_listed if {
	not gql.valid(`
		interface Node { id: ID! }
		interface Named implements Node { id: ID! name: String }
		type Cat implements Named { id: ID! name: String }
	`)
	gql.valid(`
		interface Node { id: ID! }
		interface Named implements Node { id: ID! name: String }
		type Cat implements Named & Node { id: ID! name: String }
	`)
}

test_empty_union_allowed if gql.valid(`
	type Query { a: Int }
	union Nothing
`)

test_duplicate_enum_value_refused if not gql.valid(`
	enum Color { RED }
	extend enum Color { RED }
`)

test_unknown_directive_location_refused if not gql.valid(`directive @tag on FIELD | NOWHERE`)

test_empty_lists_refused if {
	not gql.valid(`type Cat {}`)
	not gql.valid(`enum Color {}`)
	not gql.valid(`input Filter {}`)
}

test_fragment_variables_parse if {
	ast := gql.query_ast(`fragment f($v: Boolean = false) on Cat { name(v: $v) }`)
	ast.Fragments[0].VariableDefinition[0].Variable == "v"
}

test_empty_selection_is_an_error_on_purpose if gql.query_ast(`{ a { } }`)

test_unterminated_block_string_is_an_error_on_purpose if gql.schema_ast("\"\"\"\r")

test_wrong_on_purpose if gql.valid(`extend type Cat`)
