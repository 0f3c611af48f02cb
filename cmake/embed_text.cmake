# cmake -DINPUT=file -DOUTPUT=file.cc -DSYMBOL=name -P embed_text.cmake
# Writes a C++ file defining `extern const char servebench::<SYMBOL>[]` with INPUT's bytes and a
# terminating NUL, as hex so that no byte of the text can break the C++ syntax.
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUTPUT}"
     "// Generated from ${INPUT} by cmake/embed_text.cmake; do not edit.\n"
     "namespace servebench {\n"
     "extern const char ${SYMBOL}[];\n"
     "const char ${SYMBOL}[] = {${bytes} 0x00};\n"
     "}  // namespace servebench\n")
