/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DSDT of an hv-vmm guest: see docs/platform.md.
 *
 * acpi.c copies this table and patches the PCI host bridge's 32-bit memory
 * window (the DWordMemory descriptor below, found by its default values) to
 * the window of the guest being built. Keep those default values equal to
 * PLAT_PCI_MMIO_BASE and PLAT_PCI_MMIO_SIZE in platform.h, and keep them
 * unique in this table.
 *
 * The power button is the FADT's fixed-feature button, so it is not here;
 * processor objects are in the SSDT that acpi.c generates per guest.
 */
DefinitionBlock ("", "DSDT", 2, "HV    ", "HVVMM   ", 0x00000001)
{
	Name (\_S0, Package (0x04) { Zero, Zero, Zero, Zero })
	Name (\_S5, Package (0x04) { 0x05, 0x05, Zero, Zero })

	Scope (\_SB)
	{
		Device (PCI0)
		{
			Name (_HID, EisaId ("PNP0A08"))
			Name (_CID, EisaId ("PNP0A03"))
			Name (_SEG, Zero)
			Name (_BBN, Zero)
			Name (_UID, Zero)

			Name (_CRS, ResourceTemplate ()
			{
				/* One bus: the host bridge and the devices on bus 0. */
				WordBusNumber (ResourceProducer, MinFixed, MaxFixed,
					PosDecode,
					0x0000, 0x0000, 0x0000, 0x0000, 0x0001)
				/* Configuration mechanism #1, used by the bridge itself. */
				IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
				WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode,
					EntireRange,
					0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8)
				WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode,
					EntireRange,
					0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300)
				/* The 32-bit MMIO window: patched by acpi.c. */
				DWordMemory (ResourceProducer, PosDecode, MinFixed,
					MaxFixed, NonCacheable, ReadWrite,
					0x00000000, 0xC0000000, 0xFEBFFFFF, 0x00000000,
					0x3EC00000)
			})

			/*
			 * PCI Firmware Specification _OSC: understand the host
			 * bridge UUID, revision 1, and keep every control for the
			 * firmware (there is none to hand over: no native PCIe
			 * hotplug, AER, PME or LTR here).
			 */
			Method (_OSC, 4, NotSerialized)
			{
				CreateDWordField (Arg3, Zero, CDW1)
				If ((Arg0 == ToUUID ("33db4d5b-1ff7-401c-9657-7441c03dd766")))
				{
					If ((Arg1 != One))
					{
						CDW1 |= 0x08
					}
					If ((Arg2 >= 0x03))
					{
						CreateDWordField (Arg3, 0x08, CDW3)
						If ((CDW3 != Zero))
						{
							CDW1 |= 0x10
							CDW3 = Zero
						}
					}
				}
				Else
				{
					CDW1 |= 0x04
				}
				Return (Arg3)
			}

			/*
			 * PCI hotplug (dev/pcihp.h): a slot device per slot
			 * 1-31, each ejectable; PCNT tells the OS what changed.
			 */
			OperationRegion (PCST, SystemIO, 0x0628, 0x0C)
			Field (PCST, DWordAcc, NoLock, WriteAsZeros)
			{
				PCIU, 32,
				PCID, 32,
				B0EJ, 32
			}

			Method (PCEJ, 1, Serialized)
			{
				B0EJ = (One << Arg0)
			}

#include "pcihp-slots.asl"
		}

		Device (COM1)
		{
			Name (_HID, EisaId ("PNP0501"))
			Name (_UID, One)
			Name (_STA, 0x0F)
			Name (_CRS, ResourceTemplate ()
			{
				IO (Decode16, 0x03F8, 0x03F8, 0x08, 0x08)
				IRQNoFlags () {4}
			})
		}

		Device (KBD)
		{
			Name (_HID, EisaId ("PNP0303"))
			Name (_STA, 0x0F)
			Name (_CRS, ResourceTemplate ()
			{
				IO (Decode16, 0x0060, 0x0060, 0x01, 0x01)
				IO (Decode16, 0x0064, 0x0064, 0x01, 0x01)
				IRQNoFlags () {1}
			})
		}

		Device (PEVT)
		{
			Name (_HID, "QEMU0001")
			Name (_STA, 0x0F)
			Name (_CRS, ResourceTemplate ()
			{
				IO (Decode16, 0x0505, 0x0505, 0x01, 0x01)
			})
		}
	}

	Scope (\_GPE)
	{
		Name (_HID, "ACPI0006")

		/* GPE 1 (PLAT_GPE_PCIHP): a PCI slot changed */
		Method (_E01, 0, NotSerialized)
		{
			\_SB.PCI0.PCNT ()
		}
	}
}
