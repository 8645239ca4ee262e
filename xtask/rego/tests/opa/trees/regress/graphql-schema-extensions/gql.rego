package gql

valid(schema) := graphql.schema_is_valid(schema)

checks(query, schema) := graphql.is_valid(query, schema)

schema_ast(schema) := graphql.parse_schema(schema)

query_ast(query) := graphql.parse_query(query)
