# What `cmake --install` lays out (GNUInstallDirs, so --prefix and DESTDIR
# work): kartd in sbin (a daemon run by systemd, and root's offline commands),
# kart and kart-tui in bin, the systemd units with their binary path made the
# installed one, the sysusers.d entry, man pages, bash and zsh completions
# (cmake/docs.cmake), and the message catalogs (cmake/nls.cmake).
include(GNUInstallDirs)

install(TARGETS kartd RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS kart RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET kart-tui)
  install(TARGETS kart-tui RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# systemd's own directories, under the prefix unless given absolute (not
# multiarch: systemd reads lib/, never lib/x86_64-linux-gnu/).
set(KART_SYSTEMD_UNITDIR lib/systemd/system CACHE STRING "where the systemd units are installed")
set(KART_SYSUSERSDIR lib/sysusers.d CACHE STRING "where the sysusers.d entry is installed")

# Every systemd/*.service and *.timer, read at install time: the units say
# /usr/local/bin/kartd; the installed copies name where kartd (and kart) are
# installed under the prefix of this install (cpack's /usr included).
install(CODE "set(KART_UNIT_SRC \"${CMAKE_SOURCE_DIR}/systemd\")
  set(KART_UNITDIR \"${KART_SYSTEMD_UNITDIR}\")
  set(KART_SBINDIR \"${CMAKE_INSTALL_SBINDIR}\")
  set(KART_BINDIR \"${CMAKE_INSTALL_BINDIR}\")")
install(SCRIPT ${CMAKE_SOURCE_DIR}/packaging/install_units.cmake)
install(FILES systemd/sysusers.d/kartd.conf DESTINATION ${KART_SYSUSERSDIR})

install(FILES ${KART_DOC_DIR}/kart.1 ${KART_DOC_DIR}/kart-tui.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${KART_DOC_DIR}/kartd.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES ${KART_DOC_DIR}/kartd.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${KART_DOC_DIR}/kart.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
  RENAME kart)
install(FILES ${KART_DOC_DIR}/_kart DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
