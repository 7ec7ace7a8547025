"""Make ``mim train <package> CONFIG`` / ``mim test ...`` work for our editable packages.

openmim 0.3.9 finds a package's scripts at ``<location>/<module>/.mim/tools/train.py`` where
``<location>`` is the distribution's location. It was written for legacy ``setup.py develop``
installs, whose location is the source folder; a PEP 660 editable install (what pip does now)
reports ``site-packages`` instead, where no ``<module>`` folder exists, so mim fails.

Run by ``make install`` after the editable installs, this script (idempotent):
1. links ``<package dir>/.mim/tools`` to the repository's ``tools/`` and ``.mim/configs`` to
   ``configs/<key>/`` (as OpenMMLab's own packages do in develop mode);
2. links ``<package dir>/.mim/model-index.yml`` to ``configs/<key>/metafile.yml``: ``mim search
   <key>`` loads the package's model zoo from there and ``mim list`` lists only packages that
   have one (the repository-wide ``model-index.yml`` imports every metafile);
3. links ``site-packages/<module>`` to the package's source folder, so mim's lookup lands on it.
   Python then imports the package through that link, which is the same source tree.

    python tools/install_mim_links.py [--check]
"""
import argparse
import os
import os.path as osp
import sys
import sysconfig

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def package_dirs():
    """(module name, source folder, configs folder) of cvshared and every paper package."""
    yield 'cvshared', osp.join(REPO, 'shared', 'cvshared'), None
    packages = osp.join(REPO, 'packages')
    for key in sorted(os.listdir(packages)) if osp.isdir(packages) else []:
        src = osp.join(packages, key, key)
        if osp.isfile(osp.join(packages, key, 'pyproject.toml')) and osp.isdir(src):
            yield key, src, osp.join(REPO, 'configs', key)


def link(target: str, name: str, check: bool) -> bool:
    """Make ``name`` a symlink to ``target``; True if it already was one."""
    if osp.islink(name) and osp.realpath(name) == osp.realpath(target):
        return True
    if check:
        return False
    if osp.lexists(name):
        if not osp.islink(name):
            raise FileExistsError(f'{name} exists and is not a link; remove it and re-run.')
        os.remove(name)
    os.makedirs(osp.dirname(name), exist_ok=True)
    os.symlink(osp.relpath(target, osp.dirname(name)) if not name.startswith(
        sysconfig.get_paths()['purelib']) else target, name)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true', help='only report missing links')
    args = parser.parse_args(argv)
    site = sysconfig.get_paths()['purelib']
    ok = True
    for module, src, configs in package_dirs():
        ok &= link(osp.join(REPO, 'tools'), osp.join(src, '.mim', 'tools'), args.check)
        if configs and osp.isdir(configs):
            ok &= link(configs, osp.join(src, '.mim', 'configs'), args.check)
        metafile = osp.join(configs, 'metafile.yml') if configs else None
        if metafile and osp.isfile(metafile):
            ok &= link(metafile, osp.join(src, '.mim', 'model-index.yml'), args.check)
        ok &= link(src, osp.join(site, module), args.check)
    if args.check and not ok:
        print('mim links missing: run `python tools/install_mim_links.py`', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
