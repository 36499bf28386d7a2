package dev.notionsync;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import org.junit.jupiter.api.Test;

/**
 * The package layering of README's "Repository layout", enforced: a package may use the ones below it, never one
 * above, and no packages use each other in a loop. From the top: the command line and the engine's composition
 * (dev.notionsync), the operator commands (cli), the configuration that binds every area's beans from the settings
 * (config), the management surface (manage), the flows (webhook, report, sync), the door to Notion (notion), the
 * services every flow uses (observe), SQL (store), and the ground (mapping). The simulator (sim) stands apart: only
 * the command line (demo, simulate) starts it.
 */
class ArchitectureTest {

    private static final JavaClasses CODE = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.notionsync");

    @Test
    void packagesUseOnlyThePackagesBelowThem() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("app").definedBy("dev.notionsync")
                .layer("cli").definedBy("dev.notionsync.cli..")
                .layer("config").definedBy("dev.notionsync.config..")
                .layer("manage").definedBy("dev.notionsync.manage..")
                .layer("webhook").definedBy("dev.notionsync.webhook..")
                .layer("report").definedBy("dev.notionsync.report..")
                .layer("sync").definedBy("dev.notionsync.sync..")
                .layer("notion").definedBy("dev.notionsync.notion..")
                .layer("observe").definedBy("dev.notionsync.observe..")
                .layer("store").definedBy("dev.notionsync.store..")
                .layer("mapping").definedBy("dev.notionsync.mapping..")
                .layer("sim").definedBy("dev.notionsync.sim..")
                .whereLayer("app").mayNotBeAccessedByAnyLayer()
                .whereLayer("cli").mayOnlyBeAccessedByLayers("app")
                .whereLayer("config").mayOnlyBeAccessedByLayers("app", "cli")
                .whereLayer("manage").mayOnlyBeAccessedByLayers("app", "cli", "config")
                .whereLayer("webhook").mayOnlyBeAccessedByLayers("app", "config", "manage")
                .whereLayer("report").mayOnlyBeAccessedByLayers("app", "config", "manage")
                .whereLayer("sync").mayOnlyBeAccessedByLayers("app", "config", "manage", "webhook", "report")
                .whereLayer("notion").mayOnlyBeAccessedByLayers("app", "config", "manage", "webhook", "report", "sync")
                .whereLayer("observe").mayOnlyBeAccessedByLayers("app", "config", "manage", "webhook", "report", "sync", "notion")
                .whereLayer("store").mayOnlyBeAccessedByLayers("app", "cli", "config", "manage", "webhook", "report", "sync", "observe")
                .whereLayer("mapping").mayOnlyBeAccessedByLayers("app", "config", "manage", "webhook", "report", "sync", "store")
                .whereLayer("sim").mayOnlyBeAccessedByLayers("app")
                .check(CODE);
    }

    @Test
    void noPackagesUseEachOtherInALoop() {
        slices().matching("dev.notionsync.(*)..").should().beFreeOfCycles().check(CODE);
    }

    @Test
    void onlyTheStoreSpeaksSql() {
        ArchRuleDefinition.noClasses().that().resideOutsideOfPackages("dev.notionsync.store..", "dev.notionsync.sim..")
                .should().dependOnClassesThat().haveFullyQualifiedName("java.sql.Connection")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.sql.Statement")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.sql.PreparedStatement")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.sql.ResultSet")
                .because("SQL lives in store; other packages call its named operations").check(CODE);
    }
}
