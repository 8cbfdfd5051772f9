# Read by cpack before it builds a package (CPACK_PROJECT_CONFIG_FILE): a .deb
# installs under /usr only, and the binaries find their translations where
# the build configured them, so the build must have been configured for /usr.
if(CPACK_GENERATOR STREQUAL "DEB" AND NOT CPACK_PACKAGING_INSTALL_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR "a .deb installs under /usr, and this build is for ${CPACK_PACKAGING_INSTALL_PREFIX}: "
    "configure it with -DCMAKE_INSTALL_PREFIX=/usr, build, then run cpack -G DEB")
endif()
