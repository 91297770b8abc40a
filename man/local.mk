# Manual pages.
dist_man_MANS += man/hvd.8
dist_man_MANS += man/xl.1 man/xl.cfg.5 man/xl.conf.5 man/libhv.3
