# libhv: the toolstack library.
lib_LTLIBRARIES += libhv/libhv.la
libhv_libhv_la_SOURCES = \
	libhv/private.h \
	libhv/context.c \
	libhv/error.c
libhv_libhv_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/libhv
libhv_libhv_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden \
	$(LIBXML2_CFLAGS) $(YAJL_CFLAGS) $(HV_STREAM_RECORD_CFLAGS)
# nettle: the HMAC of sealed save images (the stream's record reader)
libhv_libhv_la_LIBADD = $(LIBXML2_LIBS) $(YAJL_LIBS) $(HV_STREAM_RECORD_LIBS)
# libhv.so.1: bump "current" (and the map's version node) only for additions.
libhv_libhv_la_LDFLAGS = $(AM_LDFLAGS) -version-info 15:0:14 \
	-Wl,--version-script=$(top_srcdir)/libhv/libhv.map
EXTRA_libhv_libhv_la_DEPENDENCIES = libhv/libhv.map
EXTRA_DIST += libhv/libhv.map

hvincludedir = $(includedir)/hv
hvinclude_HEADERS = \
	libhv/include/hv/hv.h \
	libhv/include/hv/error.h

pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = libhv/libhv.pc
