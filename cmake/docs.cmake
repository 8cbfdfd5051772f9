# Man pages and shell completions, generated at build time from the tables
# the programs parse with, so they cannot drift from them: kart-gendocs links
# kart's own objects (the command and option tables of client/cli/commands.c)
# and kartd's config keys (common/config.c), and fills the templates in
# packaging/man. Included at the end of the top-level CMakeLists.txt, after
# every source of kart is known.

# kart's sources but main.c are built once, into an object library that kart
# and kart-gendocs both link; kart-gendocs links main.c again with its main
# renamed, for main.c's helpers the command functions call.
get_target_property(KART_CLI_SOURCES kart SOURCES)
list(REMOVE_ITEM KART_CLI_SOURCES client/cli/main.c)
add_library(kartcli OBJECT ${KART_CLI_SOURCES})
target_link_libraries(kartcli PUBLIC kartclient)
set_property(TARGET kart PROPERTY SOURCES client/cli/main.c)
target_link_libraries(kart PRIVATE kartcli)

add_library(kart-gendocs-main OBJECT client/cli/main.c)
target_compile_definitions(kart-gendocs-main PRIVATE main=kart_cli_main)
target_link_libraries(kart-gendocs-main PUBLIC kartclient)
add_executable(kart-gendocs client/cli/gen_docs.c client/cli/gen_completion.c)
target_include_directories(kart-gendocs PRIVATE ${CMAKE_SOURCE_DIR}/client/cli)
target_link_libraries(kart-gendocs PRIVATE kartcli kart-gendocs-main kartclient)

set(KART_DOC_DIR ${CMAKE_BINARY_DIR}/doc)
set(KART_MAN_TEMPLATES kart.1.in kartd.conf.5.in kartd.8.in kart-tui.1.in)
list(TRANSFORM KART_MAN_TEMPLATES PREPEND ${CMAKE_SOURCE_DIR}/packaging/man/)
set(KART_DOCS ${KART_DOC_DIR}/kart.1 ${KART_DOC_DIR}/kartd.conf.5 ${KART_DOC_DIR}/kartd.8
  ${KART_DOC_DIR}/kart-tui.1 ${KART_DOC_DIR}/kart.bash ${KART_DOC_DIR}/_kart)
add_custom_command(OUTPUT ${KART_DOCS}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${KART_DOC_DIR}
  COMMAND kart-gendocs ${CMAKE_SOURCE_DIR}/packaging/man ${KART_DOC_DIR} ${PROJECT_VERSION}
  DEPENDS kart-gendocs ${KART_MAN_TEMPLATES}
  COMMENT "kart-gendocs: man pages and completions")
add_custom_target(docs ALL DEPENDS ${KART_DOCS})
