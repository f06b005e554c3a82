# SPDX-License-Identifier: GPL-2.0
# kunit.py --qemu_config for ppc64le (scripts/kunit.sh, KUNIT_ARCH=ppc64le):
# a little-endian POWER9 pseries guest, the console on hvc0. kunit.py
# loads this file as if it lived in tools/testing/kunit/qemu_configs/.
from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='powerpc',
			   kconfig='''
CONFIG_PPC64=y
CONFIG_CPU_LITTLE_ENDIAN=y
CONFIG_PPC_PSERIES=y
CONFIG_PPC_RADIX_MMU=y
CONFIG_HVC_CONSOLE=y''',
			   qemu_arch='ppc64',
			   kernel_path='vmlinux',
			   kernel_command_line='console=hvc0',
			   extra_qemu_params=['-M', 'pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off',
					      '-cpu', 'power9'])
