# Writes OUT: a C file with every migration in FILES as a string, in order.
# Each file is named NNN_description.sql; NNN is the schema version it brings.
string(REPLACE "|" ";" FILES "${FILES}")
set(body "/* Generated from db/migrations by cmake/embed_migrations.cmake. Do not edit. */\n")
string(APPEND body "#include \"store/store_int.h\"\n\nconst struct store_migration store_migrations[] = {\n")
foreach(f ${FILES})
  get_filename_component(name ${f} NAME)
  string(REGEX MATCH "^[0-9]+" num ${name})
  math(EXPR version "${num}")
  file(READ ${f} sql HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" sql "${sql}")
  # Break the literal every 64 bytes so no line is huge.
  string(REGEX REPLACE "((\\\\x[0-9a-f][0-9a-f]){64})" "\\1\"\n    \"" sql "${sql}")
  string(APPEND body "    {${version}, \"${name}\",\n    \"${sql}\"},\n")
endforeach()
string(APPEND body "};\nconst size_t store_migration_count = sizeof store_migrations / sizeof store_migrations[0];\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
