# `cpack -G DEB` in a build directory: the kartoteka .deb. Its Depends come
# from dpkg-shlibdeps over the binaries, plus systemd (systemd-sysusers, the
# unit); its maintainer scripts (packaging/deb) create the kartd user, enable
# and start kartd.service, stop it on removal and delete the data on purge.
# The package's prefix is the build's: configure with -DCMAKE_INSTALL_PREFIX=/usr
# (packaging/cpack_checks.cmake refuses a .deb under any other prefix).
set(KART_DEB_MAINTAINER "Kartoteka maintainers <root@localhost>" CACHE STRING
  "the Maintainer of the .deb")

set(CPACK_PACKAGE_NAME kartoteka)
set(CPACK_PACKAGE_VENDOR Kartoteka)
set(CPACK_PACKAGE_CONTACT "${KART_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "client base (a lean CRM core): daemon, command line and terminal screen")
set(CPACK_PACKAGE_DESCRIPTION "Kartoteka keeps a sales team's client cards, deals, reminders and\n\
timeline in one daemon (kartd, LMDB, TLS 1.3) with an audit trail of every\n\
change. kart is its command-line client, kart-tui the manager's screen.\n\
The instance is created in /var/lib/kartd when kartd.service first starts.")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_SOURCE_DIR}/packaging/deb/postinst
  ${CMAKE_SOURCE_DIR}/packaging/deb/prerm
  ${CMAKE_SOURCE_DIR}/packaging/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_SOURCE_DIR}/packaging/cpack_checks.cmake)
set(CPACK_GENERATOR DEB)
include(CPack)
