# Native language support for kart and kart-tui: catalogs compiled by msgfmt at
# build time, put beside the binaries (build/locale) and installed into
# share/locale; the `pot` target runs xgettext over both faces and their library.
find_program(MSGFMT msgfmt REQUIRED)
include(GNUInstallDirs)

target_compile_definitions(kartclient PUBLIC ENABLE_NLS=1
  KART_LOCALE_DIR="${CMAKE_INSTALL_FULL_LOCALEDIR}")

set(NLS_LANGUAGES ru)
set(NLS_CATALOGS "")
foreach(lang ${NLS_LANGUAGES})
  set(mo ${CMAKE_BINARY_DIR}/locale/${lang}/LC_MESSAGES/kartoteka.mo)
  add_custom_command(OUTPUT ${mo}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/locale/${lang}/LC_MESSAGES
    COMMAND ${MSGFMT} --check -o ${mo} ${CMAKE_SOURCE_DIR}/po/${lang}.po
    DEPENDS ${CMAKE_SOURCE_DIR}/po/${lang}.po
    COMMENT "msgfmt po/${lang}.po")
  list(APPEND NLS_CATALOGS ${mo})
  install(FILES ${mo} DESTINATION ${CMAKE_INSTALL_LOCALEDIR}/${lang}/LC_MESSAGES)
endforeach()
add_custom_target(nls-catalogs ALL DEPENDS ${NLS_CATALOGS})
add_dependencies(kart nls-catalogs)
add_dependencies(kart-tui nls-catalogs)

include(${CMAKE_SOURCE_DIR}/cmake/pot.cmake)
if(XGETTEXT)
  add_custom_target(pot
    COMMAND ${XGETTEXT} ${NLS_XGETTEXT_OPTIONS} -o po/kartoteka.pot ${NLS_SOURCES}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    COMMENT "xgettext: po/kartoteka.pot")
endif()
