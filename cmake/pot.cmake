# What xgettext reads and how: the messages of kart and kart-tui (their sources
# and their library's), the keywords that mark them. One definition for the
# `pot` target (nls.cmake) and the test that po/*.po translate all of them.
find_program(XGETTEXT xgettext)
file(GLOB NLS_SOURCES CONFIGURE_DEPENDS RELATIVE ${CMAKE_SOURCE_DIR} ${CMAKE_SOURCE_DIR}/client/cli/*.c
  ${CMAKE_SOURCE_DIR}/client/tui/*.c ${CMAKE_SOURCE_DIR}/client/lib/*.c)
list(SORT NLS_SOURCES)
set(NLS_XGETTEXT_OPTIONS --from-code=UTF-8 --language=C --add-comments=TRANSLATORS:
  --keyword=_ --keyword=N_ --keyword=P_:1,2 --keyword=ngettext:1,2
  --keyword=out_error:2 --flag=out_error:2:c-format
  --package-name=kartoteka --package-version=${PROJECT_VERSION})
