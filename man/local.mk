# Manual pages.
dist_man_MANS += man/hvd.8
