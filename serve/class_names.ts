/**
 * The class names the page shows, per dataset: the export records the dataset's name (ONNX
 * `metadata_props` and the sidecar) but not its class names, so `serve` keeps them here, in the
 * datasets' label order (CIFAR-10: `batches.meta.txt`; CIFAR-100: `fine_label_names.txt`,
 * `coarse_label_names.txt`).
 * @module
 */

const CIFAR10 = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

const CIFAR100_FINE =
  ("apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy " +
    "bridge bus butterfly camel can castle caterpillar cattle chair chimpanzee clock cloud " +
    "cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster " +
    "house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle " +
    "mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree " +
    "plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew " +
    "skunk skyscraper snail snake spider squirrel streetcar sunflower sweet_pepper table tank " +
    "telephone television tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf " +
    "woman worm").split(" ");

const CIFAR100_COARSE = ("aquatic_mammals fish flowers food_containers fruit_and_vegetables " +
  "household_electrical_devices household_furniture insects large_carnivores " +
  "large_man-made_outdoor_things large_natural_outdoor_scenes large_omnivores_and_herbivores " +
  "medium_mammals non-insect_invertebrates people reptiles small_mammals trees vehicles_1 " +
  "vehicles_2").split(" ");

/**
 * The names of `count` classes of `dataset` (CIFAR-100 with `labelMode` `"coarse"`: its 20
 * superclasses); `class 0`, `class 1`, … when the dataset is unknown or its names do not number
 * `count`.
 *
 * @param dataset `mnist`, `cifar10`, `cifar100` or anything else.
 * @param count The model's class count.
 * @param labelMode CIFAR-100's `label_mode` (`fine`, the default, or `coarse`).
 * @returns `count` names.
 * @example Usage
 * ```ts
 * import { classNames } from "./class_names.ts";
 * if (classNames("cifar10", 10)[0] !== "airplane") throw new Error();
 * if (classNames("mnist", 10)[7] !== "7") throw new Error();
 * if (classNames("cifar100", 20, "coarse")[0] !== "aquatic_mammals") throw new Error();
 * if (classNames("other", 2).join() !== "class 0,class 1") throw new Error();
 * ```
 */
export function classNames(dataset: string | null, count: number, labelMode = "fine"): string[] {
  const known: Record<string, string[]> = {
    mnist: Array.from({ length: 10 }, (_, i) => String(i)),
    cifar10: CIFAR10,
    cifar100: labelMode === "coarse" ? CIFAR100_COARSE : CIFAR100_FINE,
  };
  const names = dataset !== null && Object.hasOwn(known, dataset) ? known[dataset] : null;
  if (names && names.length === count) return [...names];
  return Array.from({ length: count }, (_, i) => `class ${i}`);
}
