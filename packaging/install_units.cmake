# Run by `cmake --install` (and cpack): installs every systemd/*.service and
# *.timer with /usr/local/bin/kartd (and /usr/local/bin/kart...) replaced by
# the installed binaries' paths under this install's prefix. Set beforehand
# (cmake/install.cmake): KART_UNIT_SRC, KART_UNITDIR, KART_SBINDIR, KART_BINDIR.
foreach(v KART_UNITDIR KART_SBINDIR KART_BINDIR)
  if(IS_ABSOLUTE "${${v}}")
    set(${v}_FULL "${${v}}")
  else()
    set(${v}_FULL "${CMAKE_INSTALL_PREFIX}/${${v}}")
  endif()
endforeach()

file(GLOB units "${KART_UNIT_SRC}/*.service" "${KART_UNIT_SRC}/*.timer")
list(SORT units)
foreach(unit ${units})
  get_filename_component(name "${unit}" NAME)
  file(READ "${unit}" text)
  string(REPLACE "/usr/local/bin/kartd" "${KART_SBINDIR_FULL}/kartd" text "${text}")
  string(REGEX REPLACE "/usr/local/bin/(kart[-a-z]*)" "${KART_BINDIR_FULL}/\\1" text "${text}")
  set(dest "$ENV{DESTDIR}${KART_UNITDIR_FULL}/${name}")
  message(STATUS "Installing: ${dest}")
  file(WRITE "${dest}" "${text}")
  execute_process(COMMAND chmod 0644 "${dest}")
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${KART_UNITDIR_FULL}/${name}")
endforeach()
