"""Loading a dataset directory into the sources: MySQL ``sales``, MongoDB ``catalog``, and the landing folder.

Modules: :mod:`.bootstrap` (source schemas), :mod:`.dataset` (which files a dataset holds),
:mod:`.parsers` (validation of each file before anything is written), :mod:`.mysql_target`,
:mod:`.mongo_target`, :mod:`.landing` (the writers), :mod:`.cli` (``softcart load``) and
:mod:`.catalog_export` (``softcart export-catalog``).
"""
